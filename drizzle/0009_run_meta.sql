CREATE TABLE `deleted_runs` (
	`key` text PRIMARY KEY NOT NULL,
	`path` text NOT NULL,
	`name` text NOT NULL,
	`deleted_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `deleted_runs_path` ON `deleted_runs` (`path`);--> statement-breakpoint
ALTER TABLE `runs` ADD `alias` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `notes` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `user_tags` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `archived_at` integer;