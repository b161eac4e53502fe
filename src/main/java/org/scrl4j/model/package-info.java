/**
 * The networks as TensorFlow graphs, in torchvision's names and semantics.
 *
 * <p>Typical use (one training graph):
 *
 * <pre>{@code
 * Ops tf = Ops.create(graph);
 * ParamStore store = new ParamStore(tf);                      // all variables, by torchvision name
 * ByolNetwork online = ByolNetwork.online(store, ResNetSpec.of("resnet50"), ByolNetwork.HeadSpec.PAPER);
 * ByolNetwork target = ByolNetwork.target(store, ResNetSpec.of("resnet50"), ByolNetwork.HeadSpec.PAPER);
 * LinearClassifier evaluator = LinearClassifier.create(store, "online/evaluator", 2048, classes);
 * ForwardContext ctx = ForwardContext.training(tf, BatchMoments.LOCAL);   // or a synchronised BatchMoments
 * ByolNetwork.Activations on = online.forward(ctx, images);  // images NHWC float32
 * ByolNetwork.Activations tg = target.forward(ctx, images);
 * // loss on on.prediction() / tg.projection(); gradients w.r.t. p.value() for p in store.trainable("online");
 * // run ctx.bnUpdates() with every step; store.initialize(session, seed) once;
 * // WeightIO.load / WeightIO.save for torchvision-layout .npz files.
 * }</pre>
 *
 * <p>SCRL: {@code online.forward(ctx, images, boxes)} pools layer4 at the [K, 5] boxes with
 * {@link org.scrl4j.model.RoIAlign} and projects the [K, C] RoI features instead of the pooled ones.
 */
package org.scrl4j.model;
