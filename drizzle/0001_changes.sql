CREATE TABLE `changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`kind` text NOT NULL,
	`last_step` integer,
	`tags` text,
	`status` text,
	`created_at` integer NOT NULL
);
