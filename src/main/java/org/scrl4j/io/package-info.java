/** numpy .npy/.npz files ({@link org.scrl4j.io.Npz}, {@link org.scrl4j.io.NpyArray}): weights, goldens, exports. */
package org.scrl4j.io;
