CREATE TYPE "public"."camera_recording" AS ENUM('continuous', 'off');--> statement-breakpoint
CREATE TABLE "camera_footage" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"camera_id" uuid NOT NULL,
	"run" text NOT NULL,
	"seq" integer NOT NULL,
	"path" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"duration_ms" integer NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cameras" ADD COLUMN "recording" "camera_recording" DEFAULT 'off' NOT NULL;--> statement-breakpoint
ALTER TABLE "camera_footage" ADD CONSTRAINT "camera_footage_camera_id_cameras_id_fk" FOREIGN KEY ("camera_id") REFERENCES "public"."cameras"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "camera_footage_seq_idx" ON "camera_footage" USING btree ("camera_id","run","seq");--> statement-breakpoint
CREATE INDEX "camera_footage_time_idx" ON "camera_footage" USING btree ("camera_id","started_at");