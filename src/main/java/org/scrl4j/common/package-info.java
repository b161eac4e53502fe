/**
 * What every layer may use: {@link org.scrl4j.common.UserError} (a one-line error and an exit
 * code), JSON, progress display and duration formatting. Imports nothing of scrl4j.
 */
package org.scrl4j.common;
