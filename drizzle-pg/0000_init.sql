CREATE SEQUENCE "public"."lrscope_write_generation" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "changes" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"run_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"last_step" double precision,
	"tags" text,
	"status" text,
	"created_at" double precision NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deleted_runs" (
	"key" text PRIMARY KEY NOT NULL,
	"path" text NOT NULL,
	"name" text NOT NULL,
	"deleted_at" double precision NOT NULL
);
--> statement-breakpoint
CREATE TABLE "findings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"severity" text NOT NULL,
	"metrics" text NOT NULL,
	"start_step" double precision NOT NULL,
	"end_step" double precision NOT NULL,
	"summary" text NOT NULL,
	"evidence" text NOT NULL,
	"suggestions" text NOT NULL,
	"computed_at" double precision NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gpu_samples" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" bigint NOT NULL,
	"file_id" bigint NOT NULL,
	"source" text NOT NULL,
	"gpu" double precision NOT NULL,
	"time" double precision,
	"util" double precision,
	"mem_util" double precision,
	"mem_used_mb" double precision,
	"mem_total_mb" double precision,
	"power_w" double precision,
	"temp_c" double precision
);
--> statement-breakpoint
CREATE TABLE "ingest_errors" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" bigint,
	"path" text NOT NULL,
	"offset" double precision,
	"line" double precision,
	"reason" text NOT NULL,
	"created_at" double precision NOT NULL
);
--> statement-breakpoint
CREATE TABLE "points" (
	"series_id" bigint NOT NULL,
	"seg" bigint NOT NULL,
	"step" bigint NOT NULL,
	"dup" bigint NOT NULL,
	"file_id" bigint NOT NULL,
	"wall_time" double precision,
	"value" double precision,
	CONSTRAINT "points_series_id_seg_step_dup_pk" PRIMARY KEY("series_id","seg","step","dup")
);
--> statement-breakpoint
CREATE TABLE "run_summaries" (
	"run_id" bigint PRIMARY KEY NOT NULL,
	"n_points" double precision DEFAULT 0 NOT NULL,
	"n_tags" double precision DEFAULT 0 NOT NULL,
	"last_step" double precision,
	"epoch_tag" double precision,
	"gpu_util_sum" double precision DEFAULT 0 NOT NULL,
	"gpu_util_n" double precision DEFAULT 0 NOT NULL,
	"best_tag" text,
	"best_mode" text,
	"best_value" double precision,
	"best_step" double precision,
	"findings_info" double precision DEFAULT 0 NOT NULL,
	"findings_warning" double precision DEFAULT 0 NOT NULL,
	"findings_critical" double precision DEFAULT 0 NOT NULL,
	"finding_kinds" text DEFAULT '[]' NOT NULL,
	"version" double precision DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"path" text NOT NULL,
	"kind" text NOT NULL,
	"config_name" text,
	"run_title" text,
	"status" text DEFAULT 'unknown' NOT NULL,
	"status_message" text,
	"host" text,
	"started_at" double precision,
	"updated_at" double precision,
	"created_at" double precision NOT NULL,
	"gen_optimizer" text,
	"gen_lr" double precision,
	"disc_optimizer" text,
	"disc_lr" double precision,
	"batch_size" double precision,
	"max_epochs" double precision,
	"limit_train_batches" double precision,
	"val_check_interval" double precision,
	"log_every_n_steps" double precision,
	"gradient_clip_val" double precision,
	"scheduler" text,
	"config" text,
	"hparams" text,
	"overrides" text,
	"alias" text,
	"notes" text,
	"user_tags" text DEFAULT '[]' NOT NULL,
	"archived_at" double precision
);
--> statement-breakpoint
CREATE TABLE "series" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" bigint NOT NULL,
	"tag" text NOT NULL,
	"plugin" text,
	"n_points" double precision DEFAULT 0 NOT NULL,
	"first_step" double precision,
	"last_step" double precision,
	"last_wall_time" double precision,
	"last_value" double precision,
	"segment" double precision DEFAULT 0 NOT NULL,
	"dup_at_last" double precision DEFAULT 0 NOT NULL,
	"generation" double precision DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "series_summary" (
	"series_id" bigint NOT NULL,
	"seg" bigint NOT NULL,
	"level" bigint NOT NULL,
	"idx" bigint NOT NULL,
	"n" double precision NOT NULL,
	"n_bad" double precision NOT NULL,
	"sum" double precision NOT NULL,
	"min" double precision,
	"min_step" double precision,
	"min_wall" double precision,
	"max" double precision,
	"max_step" double precision,
	"max_wall" double precision,
	"first_step" double precision NOT NULL,
	"first_dup" double precision NOT NULL,
	"first_wall" double precision,
	"first_value" double precision,
	"last_step" double precision NOT NULL,
	"last_wall" double precision,
	"last_value" double precision,
	CONSTRAINT "series_summary_series_id_seg_level_idx_pk" PRIMARY KEY("series_id","seg","level","idx")
);
--> statement-breakpoint
CREATE TABLE "source_files" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" bigint NOT NULL,
	"host" text DEFAULT '' NOT NULL,
	"path" text NOT NULL,
	"kind" text NOT NULL,
	"offset" double precision DEFAULT 0 NOT NULL,
	"size" double precision DEFAULT 0 NOT NULL,
	"inode" double precision,
	"mtime_ms" double precision,
	"head" text,
	"tail" text,
	"state" text,
	"tag_prefix" text DEFAULT '' NOT NULL,
	"ingested_at" double precision
);
--> statement-breakpoint
CREATE TABLE "validation_tables" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" bigint NOT NULL,
	"file_id" bigint,
	"kind" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"epoch" double precision NOT NULL,
	"iterations" double precision NOT NULL,
	"sanity" double precision NOT NULL,
	"time" double precision,
	"line" double precision,
	"columns" text NOT NULL,
	"rows" text NOT NULL,
	"all_nan" double precision DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gpu_samples" ADD CONSTRAINT "gpu_samples_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ingest_errors" ADD CONSTRAINT "ingest_errors_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_summaries" ADD CONSTRAINT "run_summaries_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "series" ADD CONSTRAINT "series_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_files" ADD CONSTRAINT "source_files_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "validation_tables" ADD CONSTRAINT "validation_tables_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deleted_runs_path" ON "deleted_runs" USING btree ("path");--> statement-breakpoint
CREATE INDEX "findings_run" ON "findings" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "gpu_samples_run" ON "gpu_samples" USING btree ("run_id","gpu","time");--> statement-breakpoint
CREATE INDEX "ingest_errors_key" ON "ingest_errors" USING btree ("path","offset","line");--> statement-breakpoint
CREATE INDEX "points_nonfinite" ON "points" USING btree ("series_id","seg","step","dup") WHERE value IS NULL OR abs(value) > 1.7976931348623157e308;--> statement-breakpoint
CREATE UNIQUE INDEX "runs_key" ON "runs" USING btree ("key");--> statement-breakpoint
CREATE INDEX "runs_started" ON "runs" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "runs_updated" ON "runs" USING btree ("updated_at");--> statement-breakpoint
CREATE INDEX "runs_status" ON "runs" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "series_run_tag" ON "series" USING btree ("run_id","tag");--> statement-breakpoint
CREATE UNIQUE INDEX "source_files_host_path" ON "source_files" USING btree ("host","path");--> statement-breakpoint
CREATE INDEX "source_files_run" ON "source_files" USING btree ("run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "validation_tables_key" ON "validation_tables" USING btree ("run_id","kind","name","epoch","iterations");