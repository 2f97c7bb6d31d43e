DROP INDEX `ingest_errors_path`;--> statement-breakpoint
CREATE INDEX `ingest_errors_key` ON `ingest_errors` (`path`,`offset`,`line`);