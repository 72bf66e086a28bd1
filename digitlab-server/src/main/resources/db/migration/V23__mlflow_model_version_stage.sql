-- MLflow 2.x's model version stages (None, Staging, Production, Archived), which
-- model-versions/transition-stage sets; every version made before is in stage None, as MLflow's
-- store makes them.
ALTER TABLE mlflow_model_version ADD COLUMN current_stage varchar(20) DEFAULT 'None' NOT NULL;
