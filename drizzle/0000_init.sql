-- Edited by hand after generation: `points` is WITHOUT ROWID (drizzle-kit cannot express it); see server/db/schema.ts.
CREATE TABLE `gpu_samples` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`file_id` integer NOT NULL,
	`source` text NOT NULL,
	`gpu` integer NOT NULL,
	`time` integer,
	`util` real,
	`mem_util` real,
	`mem_used_mb` real,
	`mem_total_mb` real,
	`power_w` real,
	`temp_c` real,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `gpu_samples_run` ON `gpu_samples` (`run_id`,`gpu`,`time`);--> statement-breakpoint
CREATE TABLE `ingest_errors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer,
	`path` text NOT NULL,
	`offset` integer,
	`line` integer,
	`reason` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ingest_errors_path` ON `ingest_errors` (`path`);--> statement-breakpoint
CREATE TABLE `points` (
	`series_id` integer NOT NULL,
	`seg` integer NOT NULL,
	`step` integer NOT NULL,
	`dup` integer NOT NULL,
	`file_id` integer NOT NULL,
	`wall_time` real,
	`value` real,
	PRIMARY KEY(`series_id`, `seg`, `step`, `dup`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`path` text NOT NULL,
	`kind` text NOT NULL,
	`config_name` text,
	`run_title` text,
	`status` text DEFAULT 'unknown' NOT NULL,
	`status_message` text,
	`host` text,
	`started_at` integer,
	`updated_at` integer,
	`created_at` integer NOT NULL,
	`gen_optimizer` text,
	`gen_lr` real,
	`disc_optimizer` text,
	`disc_lr` real,
	`batch_size` integer,
	`max_epochs` integer,
	`limit_train_batches` real,
	`val_check_interval` real,
	`log_every_n_steps` integer,
	`gradient_clip_val` real,
	`scheduler` text,
	`config` text,
	`hparams` text,
	`overrides` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `runs_key` ON `runs` (`key`);--> statement-breakpoint
CREATE TABLE `series` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`tag` text NOT NULL,
	`plugin` text,
	`n_points` integer DEFAULT 0 NOT NULL,
	`first_step` integer,
	`last_step` integer,
	`last_wall_time` real,
	`last_value` real,
	`segment` integer DEFAULT 0 NOT NULL,
	`dup_at_last` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `series_run_tag` ON `series` (`run_id`,`tag`);--> statement-breakpoint
CREATE TABLE `source_files` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`path` text NOT NULL,
	`kind` text NOT NULL,
	`offset` integer DEFAULT 0 NOT NULL,
	`size` integer DEFAULT 0 NOT NULL,
	`inode` integer,
	`mtime_ms` real,
	`head` text,
	`state` text,
	`tag_prefix` text DEFAULT '' NOT NULL,
	`ingested_at` integer,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `source_files_path` ON `source_files` (`path`);--> statement-breakpoint
CREATE INDEX `source_files_run` ON `source_files` (`run_id`);--> statement-breakpoint
CREATE TABLE `validation_tables` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`file_id` integer,
	`kind` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`epoch` integer NOT NULL,
	`iterations` integer NOT NULL,
	`sanity` integer NOT NULL,
	`time` integer,
	`line` integer,
	`columns` text NOT NULL,
	`rows` text NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `validation_tables_key` ON `validation_tables` (`run_id`,`kind`,`name`,`epoch`,`iterations`);