package dev.digitlab.server.feedback;

/** What intake stores; the id, held-out flag and time are the store's. */
record NewFeedback(
    String model,
    Integer modelVersion,
    Integer predicted,
    Double confidence,
    int label,
    String imageFile,
    String imageSha256) {}
