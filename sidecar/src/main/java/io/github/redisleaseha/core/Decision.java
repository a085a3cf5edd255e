package io.github.redisleaseha.core;

/** One action and the sentence that explains it; the sentence is the log line and what tests assert. */
public record Decision(Action action, String sentence) {

  public static Decision none(String sentence) {
    return new Decision(new Action.None(), sentence);
  }

  public boolean acts() {
    return !(action instanceof Action.None);
  }
}
