package dev.digitlab.server.artifacts;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Where trial artifacts are shared: an S3 bucket when one is configured, else nowhere else. */
@Configuration
@EnableConfigurationProperties(S3Settings.class)
class ArtifactStorageConfiguration {

  private static final Logger log = LoggerFactory.getLogger(ArtifactStorageConfiguration.class);

  @Bean
  TrialArtifactStore trialArtifactStore(S3Settings settings) {
    if (!settings.enabled()) {
      return new TrialArtifactStore(null);
    }
    S3ObjectStore store = new S3ObjectStore(settings);
    store.createBucketIfMissing();
    log.info("Artifacts are stored in {}", store.describe());
    return new TrialArtifactStore(store);
  }
}
