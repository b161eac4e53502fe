/**
 * The command line: {@link org.scrl4j.cli.Main} dispatches to one {@link org.scrl4j.cli.Command}
 * per sub-command (train, demo, convert, export, embed, boxes, verify-step, graph, bench,
 * dist-check) and the benchmarks behind {@code bench}. The top layer: it may use every package,
 * and nothing uses it.
 */
package org.scrl4j.cli;
