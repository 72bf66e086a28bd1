package dev.digitlab.server.feedback;

/** Told after a feedback image is stored. */
public interface FeedbackListener {

  void feedbackStored(Feedback feedback);
}
