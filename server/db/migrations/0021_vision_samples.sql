CREATE TABLE "vision_samples" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"task" text NOT NULL,
	"site_id" uuid NOT NULL,
	"camera_id" uuid NOT NULL,
	"session_id" uuid,
	"batch_id" uuid,
	"model" text NOT NULL,
	"captured_at" timestamp with time zone NOT NULL,
	"image_path" text,
	"image_sha256" text,
	"width" integer,
	"height" integer,
	"predicted" jsonb NOT NULL,
	"label" jsonb NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "vision_samples" ADD CONSTRAINT "vision_samples_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vision_samples" ADD CONSTRAINT "vision_samples_camera_id_cameras_id_fk" FOREIGN KEY ("camera_id") REFERENCES "public"."cameras"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vision_samples" ADD CONSTRAINT "vision_samples_session_id_inspection_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."inspection_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vision_samples" ADD CONSTRAINT "vision_samples_batch_id_loading_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."loading_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vision_samples" ADD CONSTRAINT "vision_samples_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "vision_samples_task_idx" ON "vision_samples" USING btree ("task","created_at");--> statement-breakpoint
CREATE INDEX "vision_samples_session_idx" ON "vision_samples" USING btree ("session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "vision_samples_batch_idx" ON "vision_samples" USING btree ("batch_id");