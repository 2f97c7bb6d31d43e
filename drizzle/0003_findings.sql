CREATE TABLE `findings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`kind` text NOT NULL,
	`severity` text NOT NULL,
	`metrics` text NOT NULL,
	`start_step` integer NOT NULL,
	`end_step` integer NOT NULL,
	`summary` text NOT NULL,
	`evidence` text NOT NULL,
	`suggestions` text NOT NULL,
	`computed_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `findings_run` ON `findings` (`run_id`);