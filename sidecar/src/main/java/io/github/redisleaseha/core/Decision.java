package io.github.redisleaseha.core;

/**
 * One action and the sentence that explains it; the sentence is the log line and what tests assert.
 *
 * @param warning the situation is one an operator should hear of: logged as a warning and sent as a
 *     Kubernetes Event, once per change of sentence
 */
public record Decision(Action action, String sentence, boolean warning) {

  public Decision(Action action, String sentence) {
    this(action, sentence, false);
  }

  public static Decision none(String sentence) {
    return new Decision(new Action.None(), sentence);
  }

  /** No action, and a situation the operator should hear of. */
  public static Decision warn(String sentence) {
    return new Decision(new Action.None(), sentence, true);
  }

  public boolean acts() {
    return !(action instanceof Action.None);
  }
}
