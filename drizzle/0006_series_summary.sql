-- Edited by hand after generation: `series_summary` is WITHOUT ROWID (drizzle-kit cannot express it); see server/db/schema.ts.
CREATE TABLE `series_summary` (
	`series_id` integer NOT NULL,
	`seg` integer NOT NULL,
	`level` integer NOT NULL,
	`idx` integer NOT NULL,
	`n` integer NOT NULL,
	`n_bad` integer NOT NULL,
	`sum` real NOT NULL,
	`min` real,
	`min_step` integer,
	`min_wall` real,
	`max` real,
	`max_step` integer,
	`max_wall` real,
	`first_step` integer NOT NULL,
	`first_dup` integer NOT NULL,
	`first_wall` real,
	`first_value` real,
	`last_step` integer NOT NULL,
	`last_wall` real,
	`last_value` real,
	PRIMARY KEY(`series_id`, `seg`, `level`, `idx`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `points_nonfinite` ON `points` (`series_id`,`seg`,`step`,`dup`) WHERE value IS NULL OR abs(value) > 1.7976931348623157e308;
