package org.scrl4j.eval;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.scrl4j.common.UserError;
import org.scrl4j.config.Config;
import org.scrl4j.io.NpyArray;
import org.scrl4j.method.ExperimentSpec;
import org.scrl4j.model.ForwardContext;
import org.scrl4j.model.ParamStore;
import org.scrl4j.model.ResNet;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * What the linear probe reads from an image: the frozen backbone's pooled features (pre-trained or
 * randomly initialised) or the image's own pixels, the baseline a representation has to beat.
 */
sealed interface ProbeFeatures permits ProbeFeatures.Backbone, ProbeFeatures.Pixels {

  /** Where the probed backbone's variables live in the evaluation graph. */
  String BACKBONE_SCOPE = "online/backbone";

  /** Length of one image's feature vector. */
  long dim();

  /** The features of a batch of images, [batch, dim]. */
  Operand<TFloat32> of(Ops tf, ForwardContext inference, Operand<TFloat32> images);

  /** Puts the features' weights into the initialised session (nothing to do for pixels). */
  void load(ParamStore store, Session session);

  /** A pre-trained backbone: the online backbone of {@code weights} (full TF names). */
  static ProbeFeatures pretrained(ParamStore store, Config cfg, Map<String, NpyArray> weights) {
    return new Backbone(ResNet.create(store, BACKBONE_SCOPE, ExperimentSpec.arch(cfg)),
        Optional.of(weights));
  }

  /**
   * A pre-trained backbone whose weights this rank does not hold: initialised from the seed here,
   * then overwritten with rank 0's by the caller's broadcast.
   */
  static ProbeFeatures fromChief(ParamStore store, Config cfg) {
    return new Backbone(ResNet.create(store, BACKBONE_SCOPE, ExperimentSpec.arch(cfg)),
        Optional.empty());
  }

  /** The same architecture as initialised from the config's seed, never trained. */
  static ProbeFeatures randomInit(ParamStore store, Config cfg) {
    return new Backbone(ResNet.create(store, BACKBONE_SCOPE, ExperimentSpec.arch(cfg)),
        Optional.empty());
  }

  /** The normalised input image flattened: input_size^2 x 3 numbers. */
  static ProbeFeatures pixels(Config cfg) {
    long size = cfg.augment().inputSize();
    return new Pixels(size * size * 3);
  }

  /** The backbone in inference mode; {@code weights} empty keeps its random initialisation. */
  record Backbone(ResNet resnet, Optional<Map<String, NpyArray>> weights) implements ProbeFeatures {
    @Override
    public long dim() {
      return resnet.featureDim();
    }

    @Override
    public Operand<TFloat32> of(Ops tf, ForwardContext inference, Operand<TFloat32> images) {
      return resnet.apply(inference, images).pooled();
    }

    @Override
    public void load(ParamStore store, Session session) {
      weights.ifPresent(w -> store.write(session, backboneValues(w)));
    }

    /** The online backbone's float tensors of a checkpoint, keyed as this graph's variables. */
    static Map<String, float[]> backboneValues(Map<String, NpyArray> weights) {
      Map<String, float[]> out = new LinkedHashMap<>();
      for (Map.Entry<String, NpyArray> e : weights.entrySet()) {
        if (e.getKey().startsWith("online/backbone/")) {
          out.put(e.getKey(), e.getValue().toFloats());
        }
      }
      if (out.isEmpty()) {
        throw new UserError("the checkpoint has no online/backbone tensors");
      }
      return out;
    }
  }

  /** The images themselves, one row each. */
  record Pixels(long dim) implements ProbeFeatures {
    @Override
    public Operand<TFloat32> of(Ops tf, ForwardContext inference, Operand<TFloat32> images) {
      return tf.reshape(images, tf.constant(new long[] {-1, dim}));
    }

    @Override
    public void load(ParamStore store, Session session) {
      // nothing to load: the pixels are the features
    }
  }
}
