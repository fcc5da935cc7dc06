CREATE TYPE "public"."rectification_status" AS ENUM('open', 'reported', 'accepted');--> statement-breakpoint
CREATE TABLE "annual_reports" (
	"enterprise_id" uuid NOT NULL,
	"year" integer NOT NULL,
	"contents" jsonb NOT NULL,
	"submitted_by" uuid NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	CONSTRAINT "annual_reports_enterprise_id_year_pk" PRIMARY KEY("enterprise_id","year")
);
--> statement-breakpoint
CREATE TABLE "deadline_reminders" (
	"kind" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"stage" text NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	CONSTRAINT "deadline_reminders_kind_subject_id_stage_pk" PRIMARY KEY("kind","subject_id","stage")
);
--> statement-breakpoint
CREATE TABLE "rectification_steps" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"rectification_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"actor_id" uuid,
	"text" text DEFAULT '' NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rectifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"enterprise_id" uuid NOT NULL,
	"port_id" uuid NOT NULL,
	"declaration_id" uuid NOT NULL,
	"required" text NOT NULL,
	"due_on" text NOT NULL,
	"status" "rectification_status" DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "rectifications_session_id_unique" UNIQUE("session_id")
);
--> statement-breakpoint
ALTER TABLE "declarations" ADD COLUMN "valid_until" text;--> statement-breakpoint
ALTER TABLE "annual_reports" ADD CONSTRAINT "annual_reports_enterprise_id_enterprises_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."enterprises"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "annual_reports" ADD CONSTRAINT "annual_reports_submitted_by_users_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_steps" ADD CONSTRAINT "rectification_steps_rectification_id_rectifications_id_fk" FOREIGN KEY ("rectification_id") REFERENCES "public"."rectifications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_steps" ADD CONSTRAINT "rectification_steps_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectifications" ADD CONSTRAINT "rectifications_session_id_inspection_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."inspection_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectifications" ADD CONSTRAINT "rectifications_enterprise_id_enterprises_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."enterprises"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectifications" ADD CONSTRAINT "rectifications_port_id_ports_id_fk" FOREIGN KEY ("port_id") REFERENCES "public"."ports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectifications" ADD CONSTRAINT "rectifications_declaration_id_declarations_id_fk" FOREIGN KEY ("declaration_id") REFERENCES "public"."declarations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rectification_steps_idx" ON "rectification_steps" USING btree ("rectification_id","id");--> statement-breakpoint
CREATE INDEX "rectifications_port_status_idx" ON "rectifications" USING btree ("port_id","status");--> statement-breakpoint
CREATE INDEX "rectifications_enterprise_idx" ON "rectifications" USING btree ("enterprise_id","status");--> statement-breakpoint
CREATE INDEX "rectifications_due_idx" ON "rectifications" USING btree ("status","due_on");--> statement-breakpoint
CREATE INDEX "declarations_valid_until_idx" ON "declarations" USING btree ("valid_until");