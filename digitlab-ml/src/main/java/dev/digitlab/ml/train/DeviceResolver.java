package dev.digitlab.ml.train;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Maps a {@link DeviceChoice} to a device the engine really has. */
final class DeviceResolver {

  private DeviceResolver() {}

  static Device resolve(DeviceChoice choice, Engine engine) {
    boolean gpu = engine.getGpuCount() > 0;
    return switch (choice) {
      case CPU -> Device.cpu();
      case AUTO -> gpu ? Device.gpu() : Device.cpu();
      case GPU -> {
        if (!gpu) {
          throw new IllegalStateException(
              "device gpu was asked for, but PyTorch sees no CUDA GPU on this machine"
                  + " (the bundled libtorch is the CPU build); use device cpu or auto");
        }
        yield Device.gpu();
      }
    };
  }
}
