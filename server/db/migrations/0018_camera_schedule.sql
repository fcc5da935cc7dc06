ALTER TABLE "cameras" ADD COLUMN "schedule" jsonb;--> statement-breakpoint
ALTER TABLE "ports" ADD COLUMN "time_zone" text DEFAULT 'Asia/Shanghai' NOT NULL;