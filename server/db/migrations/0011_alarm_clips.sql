ALTER TABLE "alarms" ADD COLUMN "clip_path" text;--> statement-breakpoint
ALTER TABLE "alarms" ADD COLUMN "clip_sha256" text;