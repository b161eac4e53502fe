package org.scrl4j.data;

import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.family.TType;

/** Name, element type and per-example shape of one output of an {@link ImageTransform}. */
public record TensorSpec(String name, Class<? extends TType> type, Shape shape) {}
