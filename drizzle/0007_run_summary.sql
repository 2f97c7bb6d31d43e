CREATE TABLE `run_summaries` (
	`run_id` integer PRIMARY KEY NOT NULL,
	`n_points` integer DEFAULT 0 NOT NULL,
	`n_tags` integer DEFAULT 0 NOT NULL,
	`last_step` integer,
	`epoch_tag` real,
	`gpu_util_sum` real DEFAULT 0 NOT NULL,
	`gpu_util_n` integer DEFAULT 0 NOT NULL,
	`best_tag` text,
	`best_mode` text,
	`best_value` real,
	`best_step` integer,
	`findings_info` integer DEFAULT 0 NOT NULL,
	`findings_warning` integer DEFAULT 0 NOT NULL,
	`findings_critical` integer DEFAULT 0 NOT NULL,
	`finding_kinds` text DEFAULT '[]' NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `runs_started` ON `runs` (`started_at`);--> statement-breakpoint
CREATE INDEX `runs_updated` ON `runs` (`updated_at`);--> statement-breakpoint
CREATE INDEX `runs_status` ON `runs` (`status`);