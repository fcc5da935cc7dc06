CREATE TABLE "loading_batches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"camera_id" uuid NOT NULL,
	"line" jsonb NOT NULL,
	"expected" integer NOT NULL,
	"opened_by" uuid NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	"counted_forward" integer,
	"counted_backward" integer,
	"alarm_id" uuid
);
--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "vehicle_plate" text;--> statement-breakpoint
ALTER TABLE "cameras" ADD COLUMN "analysis" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "loading_batches" ADD CONSTRAINT "loading_batches_session_id_inspection_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."inspection_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loading_batches" ADD CONSTRAINT "loading_batches_camera_id_cameras_id_fk" FOREIGN KEY ("camera_id") REFERENCES "public"."cameras"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loading_batches" ADD CONSTRAINT "loading_batches_opened_by_users_id_fk" FOREIGN KEY ("opened_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loading_batches" ADD CONSTRAINT "loading_batches_alarm_id_alarms_id_fk" FOREIGN KEY ("alarm_id") REFERENCES "public"."alarms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "loading_batches_session_idx" ON "loading_batches" USING btree ("session_id");