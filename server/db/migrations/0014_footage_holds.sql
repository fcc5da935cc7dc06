CREATE TABLE "footage_deletions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"camera_id" uuid NOT NULL,
	"from_at" timestamp with time zone NOT NULL,
	"to_at" timestamp with time zone NOT NULL,
	"segments" integer NOT NULL,
	"bytes" bigint NOT NULL,
	"reason" text NOT NULL,
	"deleted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "footage_holds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"camera_id" uuid NOT NULL,
	"from_at" timestamp with time zone NOT NULL,
	"to_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"held_by" uuid NOT NULL,
	"held_at" timestamp with time zone DEFAULT now() NOT NULL,
	"released_by" uuid,
	"released_at" timestamp with time zone,
	CONSTRAINT "footage_holds_span" CHECK ("footage_holds"."to_at" > "footage_holds"."from_at")
);
--> statement-breakpoint
ALTER TABLE "footage_deletions" ADD CONSTRAINT "footage_deletions_camera_id_cameras_id_fk" FOREIGN KEY ("camera_id") REFERENCES "public"."cameras"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "footage_holds" ADD CONSTRAINT "footage_holds_camera_id_cameras_id_fk" FOREIGN KEY ("camera_id") REFERENCES "public"."cameras"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "footage_holds" ADD CONSTRAINT "footage_holds_held_by_users_id_fk" FOREIGN KEY ("held_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "footage_holds" ADD CONSTRAINT "footage_holds_released_by_users_id_fk" FOREIGN KEY ("released_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "footage_deletions_camera_idx" ON "footage_deletions" USING btree ("camera_id","to_at");--> statement-breakpoint
CREATE INDEX "footage_holds_camera_idx" ON "footage_holds" USING btree ("camera_id","from_at");