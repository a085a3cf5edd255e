package io.github.redisleaseha.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code --log-format}: readable sentences (logback.xml's pattern) or one JSON object per line. */
public enum LogFormat {
  TEXT,
  JSON;

  /** Switches the console appender to Logback's JSON encoder; text needs nothing. */
  void apply() {
    if (this != JSON || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    if (context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT") instanceof ConsoleAppender<ILoggingEvent> console) {
      JsonEncoder encoder = new JsonEncoder();
      encoder.setContext(context);
      encoder.start();
      console.stop();
      console.setEncoder(encoder);
      console.start();
    }
  }
}
