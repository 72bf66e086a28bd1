package dev.digitlab.ml.data;

/** A training set split in two: images to train on and held-out images to validate with. */
public record TrainValidation(ImageSet train, ImageSet validation) {}
