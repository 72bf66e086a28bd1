package dev.digitlab.server.web;

/**
 * How many trials one comparison takes ({@code /compare} and its API): the comparison page's tables
 * have a column per trial. Pages that link to a comparison of many trials (the experiment page's
 * "Compare all") read it too, so that they never link to a refusal.
 */
public final class CompareLimit {

  public static final int MAX_TRIALS = 50;

  private CompareLimit() {}
}
