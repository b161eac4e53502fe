package org.scrl4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.scrl4j.common.UserError;
import org.tensorflow.op.Ops;

/**
 * ImageNet as class folders: {@code <root>/train/<wnid>/*.JPEG}, {@code <root>/val/<wnid>/*.JPEG}.
 * Labels are the positions of the folder names in sorted order (as torchvision's ImageFolder), files
 * are taken in sorted order within a class.
 */
public final class FolderSource implements ImageSource {
  private static final List<String> IMAGE_SUFFIXES =
      List.of(".jpeg", ".jpg", ".png", ".bmp", ".gif");

  private final Split split;
  private final List<String> classes;
  private final RecordIndex index;

  private FolderSource(Split split, List<String> classes, RecordIndex index) {
    this.split = split;
    this.classes = classes;
    this.index = index;
  }

  /** Indexes {@code root/<split folder>}; every class folder must hold at least one image. */
  public static FolderSource open(Path root, Split split) {
    Path dir = root.resolve(split.folderName());
    if (!Files.isDirectory(dir)) {
      throw new UserError("no " + split.folderName() + "/ folder under " + root
          + " (expected " + dir + "/<class>/*.JPEG)");
    }
    List<Path> classDirs;
    try (Stream<Path> s = Files.list(dir)) {
      classDirs = s.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new UserError("cannot list " + dir + ": " + e.getMessage());
    }
    if (classDirs.isEmpty()) {
      throw new UserError("no class folders in " + dir + " (expected " + dir + "/<class>/*.JPEG)");
    }
    // Validation labels follow the train folders when there are any, so a class missing from
    // val/ cannot shift the labels of the classes after it.
    List<String> labelNames = classNames(classDirs);
    Path trainDir = root.resolve(Split.TRAIN.folderName());
    if (split == Split.VALIDATION && Files.isDirectory(trainDir)) {
      try (Stream<Path> s = Files.list(trainDir)) {
        List<String> trainNames = classNames(s.filter(Files::isDirectory).sorted().toList());
        if (!trainNames.isEmpty()) {
          for (String name : labelNames) {
            if (!trainNames.contains(name)) {
              throw new UserError("class folder " + dir.resolve(name) + " has no counterpart in "
                  + trainDir + "; the validation classes must be train classes");
            }
          }
          labelNames = trainNames;
        }
      } catch (IOException e) {
        throw new UserError("cannot list " + trainDir + ": " + e.getMessage());
      }
    }
    // Class folders are listed in parallel: ImageNet has 1000 of them on possibly slow storage.
    final List<String> names = labelNames;
    List<List<Path>> perClass = classDirs.parallelStream().map(classDir -> {
      List<Path> images;
      try (Stream<Path> s = Files.list(classDir)) {
        images = s.filter(p -> isImageName(p) && Files.isRegularFile(p)).sorted().toList();
      } catch (IOException e) {
        throw new UserError("cannot list " + classDir + ": " + e.getMessage());
      }
      if (images.isEmpty()) {
        throw new UserError("class folder " + classDir + " holds no images (*.JPEG, *.jpg, *.png);"
            + " remove it or add its images");
      }
      return images;
    }).toList();
    int n = perClass.stream().mapToInt(List::size).sum();
    String[] files = new String[n];
    int[] file = new int[n];
    long[] offset = new long[n];
    // The whole file is the image (ReadFile); lengths are not needed, so no stat per image.
    long[] length = new long[n];
    long[] fileSizes = new long[n];
    int[] lab = new int[n];
    int at = 0;
    for (int c = 0; c < classDirs.size(); c++) {
      int label = names.indexOf(classDirs.get(c).getFileName().toString());
      for (Path p : perClass.get(c)) {
        files[at] = p.toString();
        file[at] = at;
        lab[at] = label;
        at++;
      }
    }
    RecordIndex index = new RecordIndex(RecordIndex.Kind.IMAGE_FILE, files, fileSizes, file,
        offset, length, lab);
    return new FolderSource(split, List.copyOf(labelNames), index);
  }

  private static List<String> classNames(List<Path> dirs) {
    return dirs.stream().map(d -> d.getFileName().toString()).toList();
  }

  static boolean isImageName(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return IMAGE_SUFFIXES.stream().anyMatch(name::endsWith);
  }

  /** The class folder names, index = label. */
  public List<String> classes() {
    return classes;
  }

  @Override
  public Split split() {
    return split;
  }

  @Override
  public RecordIndex index() {
    return index;
  }

  @Override
  public int numClasses() {
    return classes.size();
  }

  /** The record is a whole encoded image file; the label is its class folder's. */
  @Override
  public DecodedImage decode(Ops tf, RecordOperands record) {
    return new DecodedImage(DecodedImage.decodeEncoded(tf, record.wholeFile(tf)),
        record.indexLabel());
  }

  @Override
  public byte[] readImage(int i) throws IOException {
    return Files.readAllBytes(Path.of(index.path(i)));
  }

  @Override
  public int readLabel(int i) {
    return index.label(i);
  }

  @Override
  public String toString() {
    return "FolderSource[" + split + ", " + size() + " images, " + numClasses() + " classes]";
  }
}
