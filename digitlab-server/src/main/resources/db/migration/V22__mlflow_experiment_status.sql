-- An MLflow experiment (dataset 'external': runs logged from outside, the Default one among them)
-- was made 'running' and never rolled up, so it showed running for ever. Its status now rolls up
-- from its runs like a built-in experiment's from its trials (ExperimentStatus.rollUp, which counts
-- deleted runs too); this sets the status it has by that rule. A cancellation does not stick: such
-- runs end when their scripts end them.
UPDATE experiment SET status = CASE
    WHEN EXISTS (SELECT 1 FROM trial t WHERE t.experiment_id = experiment.id
                    AND t.status = 'running') THEN 'running'
    WHEN EXISTS (SELECT 1 FROM trial t WHERE t.experiment_id = experiment.id
                    AND t.status = 'queued')
        THEN CASE WHEN EXISTS (SELECT 1 FROM trial t WHERE t.experiment_id = experiment.id
                                  AND t.status <> 'queued') THEN 'running' ELSE 'queued' END
    WHEN NOT EXISTS (SELECT 1 FROM trial t WHERE t.experiment_id = experiment.id) THEN 'queued'
    WHEN EXISTS (SELECT 1 FROM trial t WHERE t.experiment_id = experiment.id
                    AND t.status IN ('succeeded', 'pruned')) THEN 'succeeded'
    WHEN EXISTS (SELECT 1 FROM trial t WHERE t.experiment_id = experiment.id
                    AND t.status = 'failed') THEN 'failed'
    ELSE 'cancelled' END
 WHERE dataset = 'external';
