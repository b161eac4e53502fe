/**
 * Linear evaluation of a backbone: the online validation during pre-training and the offline
 * linear probe after it, with top-1 counted over replicas. The offline protocol is its loop
 * ({@code LinearEvaluation}), the probe's graph ({@code LinearProbe}), what it reads
 * ({@code ProbeFeatures}: pre-trained or random-init backbone, or pixels), how its training
 * batches arrive ({@code TrainingBatches}: cached or augmented) and the host feature cache with
 * its standardisation ({@code FeatureCache}).
 */
package org.scrl4j.eval;
