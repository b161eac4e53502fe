package org.scrl4j.train;

import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.scrl4j.checkpoint.RunDirectory;

/**
 * Copies every log line of this JVM into a file of the run directory ({@code save_dir/log.txt}),
 * appending across resumes, for as long as it is open. Lines carry the date, so a log that spans
 * several days and restarts stays readable.
 */
public final class RunLogFile implements AutoCloseable {
  private static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss} %-5level %c{1} - %msg%n";

  private final FileAppender appender;
  private final LoggerContext context;

  private RunLogFile(FileAppender appender, LoggerContext context) {
    this.appender = appender;
    this.context = context;
  }

  /**
   * Starts copying log lines at {@code level} and above into {@code file} (the root logger's level
   * still applies first).
   */
  public static RunLogFile attach(Path file, Level level) {
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    Configuration config = context.getConfiguration();
    PatternLayout layout = PatternLayout.newBuilder().withPattern(PATTERN).withConfiguration(config).build();
    FileAppender appender = FileAppender.newBuilder()
        .setName("run-log:" + file.toAbsolutePath())
        .withFileName(file.toString())
        .withAppend(true)
        .setImmediateFlush(true) // a killed run keeps its last lines
        .setLayout(layout)
        .setConfiguration(config)
        .build();
    if (appender == null) {
      throw new org.scrl4j.common.UserError("cannot open log file " + file + "; check that save_dir is writable");
    }
    appender.start();
    config.addAppender(appender);
    config.getRootLogger().addAppender(appender, level, null);
    context.updateLoggers();
    return new RunLogFile(appender, context);
  }

  /** {@code save_dir/log.txt} on rank 0, {@code save_dir/log_rank{rank}.txt} on the others. */
  public static RunLogFile attachToRun(Path saveDir, int rank) {
    String name = rank == 0 ? RunDirectory.LOG_FILE : "log_rank" + rank + ".txt";
    return attach(saveDir.resolve(name), Level.ALL);
  }

  @Override
  public void close() {
    Configuration config = context.getConfiguration();
    config.getRootLogger().removeAppender(appender.getName());
    context.updateLoggers();
    appender.stop();
    config.getAppenders().remove(appender.getName());
  }
}
