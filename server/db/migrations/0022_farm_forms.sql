CREATE TYPE "public"."farm_form_status" AS ENUM('draft', 'submitted', 'returned');--> statement-breakpoint
CREATE TABLE "farm_form_notes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"form_id" uuid NOT NULL,
	"returned" boolean DEFAULT false NOT NULL,
	"text" text NOT NULL,
	"author_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "farm_form_revisions" (
	"form_id" uuid NOT NULL,
	"revision" integer NOT NULL,
	"form_version" integer NOT NULL,
	"values" jsonb NOT NULL,
	"reason" text,
	"submitted_by" uuid NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	CONSTRAINT "farm_form_revisions_form_id_revision_pk" PRIMARY KEY("form_id","revision")
);
--> statement-breakpoint
CREATE TABLE "farm_forms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"site_id" uuid NOT NULL,
	"form_key" text NOT NULL,
	"form_version" integer NOT NULL,
	"day" text NOT NULL,
	"status" "farm_form_status" NOT NULL,
	"revision" integer DEFAULT 0 NOT NULL,
	"values" jsonb NOT NULL,
	"updated_by" uuid NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"submitted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "form_definitions" (
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"sha256" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "form_definitions_key_version_pk" PRIMARY KEY("key","version")
);
--> statement-breakpoint
CREATE TABLE "form_reminders" (
	"site_id" uuid NOT NULL,
	"day" text NOT NULL,
	"stage" text NOT NULL,
	"forms" jsonb NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	CONSTRAINT "form_reminders_site_id_day_stage_pk" PRIMARY KEY("site_id","day","stage")
);
--> statement-breakpoint
ALTER TABLE "farm_form_notes" ADD CONSTRAINT "farm_form_notes_form_id_farm_forms_id_fk" FOREIGN KEY ("form_id") REFERENCES "public"."farm_forms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "farm_form_notes" ADD CONSTRAINT "farm_form_notes_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "farm_form_revisions" ADD CONSTRAINT "farm_form_revisions_form_id_farm_forms_id_fk" FOREIGN KEY ("form_id") REFERENCES "public"."farm_forms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "farm_form_revisions" ADD CONSTRAINT "farm_form_revisions_submitted_by_users_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "farm_forms" ADD CONSTRAINT "farm_forms_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "farm_forms" ADD CONSTRAINT "farm_forms_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "farm_forms" ADD CONSTRAINT "farm_forms_form_key_form_version_form_definitions_key_version_fk" FOREIGN KEY ("form_key","form_version") REFERENCES "public"."form_definitions"("key","version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "form_definitions" ADD CONSTRAINT "form_definitions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "form_reminders" ADD CONSTRAINT "form_reminders_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "farm_form_notes_form_idx" ON "farm_form_notes" USING btree ("form_id");--> statement-breakpoint
CREATE UNIQUE INDEX "farm_forms_site_form_day_idx" ON "farm_forms" USING btree ("site_id","form_key","day");--> statement-breakpoint
CREATE INDEX "farm_forms_site_day_idx" ON "farm_forms" USING btree ("site_id","day");