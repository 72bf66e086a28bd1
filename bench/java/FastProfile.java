import ai.djl.pytorch.jni.JniUtils;
import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.LoadedDataset;
import dev.digitlab.ml.train.ModelKind;
import dev.digitlab.ml.train.StepProgress;
import dev.digitlab.ml.train.Trainer;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.ml.train.TrainingData;
import dev.digitlab.ml.train.TrainingListener;
import java.nio.file.Path;

/**
 * Our side of bench/profile-fast.sh: trains the fast recipe for one epoch through the real {@link
 * Trainer}, prints the mean milliseconds per step over steps (warm-100, warm] and records libtorch's
 * own profiler (the one torch.profiler wraps) over the next {@code profiled} steps into a Chrome
 * trace, which bench/profile_compare.py sets beside the reference's.
 *
 * <pre>java -cp 'digitlab-cli/target/launch/KEY/lib/*' bench/java/FastProfile.java DATA OUT [WARM PROFILED]</pre>
 */
public class FastProfile {
  public static void main(String[] args) {
    Path data = Path.of(args[0]);
    String out = args[1];
    int warm = args.length > 2 ? Integer.parseInt(args[2]) : 160;
    int profiled = args.length > 3 ? Integer.parseInt(args[3]) : 40;
    TrainingConfig config = TrainingConfig.builder().model(ModelKind.FAST).epochs(1).build();
    LoadedDataset dataset = LoadedDataset.read(DatasetId.byName("mnist").spec(), data);
    long[] timedFrom = new long[1];
    Trainer.train(
        config,
        TrainingData.from(dataset, config),
        new TrainingListener() {
          @Override
          public void onStep(StepProgress progress) {
            long step = progress.globalStep();
            if (step == warm - 100) {
              timedFrom[0] = System.nanoTime();
            } else if (step == warm) {
              double ms = (System.nanoTime() - timedFrom[0]) / 1e6 / 100;
              System.out.printf("{\"impl\":\"digitlab\",\"ms_per_step\":%.3f}%n", ms);
              JniUtils.startProfile(false, true, false);
            } else if (step == warm + profiled) {
              JniUtils.stopProfile(out);
            }
          }
        });
  }
}
