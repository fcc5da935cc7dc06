ALTER TYPE "public"."alarm_status" ADD VALUE 'cleared';--> statement-breakpoint
CREATE TABLE "alarm_mutes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"camera_id" uuid NOT NULL,
	"rule" text NOT NULL,
	"until" timestamp with time zone NOT NULL,
	"muted_by" uuid NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alarms" ADD COLUMN "dedupe_key" text;--> statement-breakpoint
ALTER TABLE "alarms" ADD COLUMN "occurrences" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "alarms" ADD COLUMN "last_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "alarms" ADD COLUMN "cleared_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "alarm_mutes" ADD CONSTRAINT "alarm_mutes_camera_id_cameras_id_fk" FOREIGN KEY ("camera_id") REFERENCES "public"."cameras"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alarm_mutes" ADD CONSTRAINT "alarm_mutes_muted_by_users_id_fk" FOREIGN KEY ("muted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alarm_mutes_camera_idx" ON "alarm_mutes" USING btree ("camera_id","rule");--> statement-breakpoint
CREATE UNIQUE INDEX "alarms_open_incident_idx" ON "alarms" USING btree (coalesce("session_id"::text, "site_id"::text, ''),"dedupe_key") WHERE "alarms"."status" = 'open' and "alarms"."dedupe_key" is not null;