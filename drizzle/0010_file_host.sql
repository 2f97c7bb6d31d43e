DROP INDEX `source_files_path`;--> statement-breakpoint
ALTER TABLE `source_files` ADD `host` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `source_files_host_path` ON `source_files` (`host`,`path`);