CREATE TYPE "public"."loading_record_status" AS ENUM('open', 'released', 'held');--> statement-breakpoint
CREATE TABLE "loading_record_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"record_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" uuid,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loading_record_seals" (
	"record_id" uuid PRIMARY KEY NOT NULL,
	"manifest" jsonb NOT NULL,
	"signature" text NOT NULL,
	"signing_key_id" text NOT NULL,
	"sealed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loading_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"declaration_id" uuid NOT NULL,
	"site_id" uuid NOT NULL,
	"enterprise_id" uuid NOT NULL,
	"port_id" uuid NOT NULL,
	"expected_plate" text,
	"matched_plate" text,
	"status" "loading_record_status" DEFAULT 'open' NOT NULL,
	"opened_by" uuid NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"reason" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
ALTER TABLE "loading_record_events" ADD CONSTRAINT "loading_record_events_record_id_loading_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."loading_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loading_record_events" ADD CONSTRAINT "loading_record_events_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loading_record_seals" ADD CONSTRAINT "loading_record_seals_record_id_loading_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."loading_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loading_records" ADD CONSTRAINT "loading_records_declaration_id_declarations_id_fk" FOREIGN KEY ("declaration_id") REFERENCES "public"."declarations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loading_records" ADD CONSTRAINT "loading_records_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loading_records" ADD CONSTRAINT "loading_records_enterprise_id_enterprises_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."enterprises"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loading_records" ADD CONSTRAINT "loading_records_port_id_ports_id_fk" FOREIGN KEY ("port_id") REFERENCES "public"."ports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loading_records" ADD CONSTRAINT "loading_records_opened_by_users_id_fk" FOREIGN KEY ("opened_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loading_records" ADD CONSTRAINT "loading_records_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "loading_record_events_record_idx" ON "loading_record_events" USING btree ("record_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "loading_records_open_site_idx" ON "loading_records" USING btree ("site_id") WHERE "loading_records"."status" = 'open';--> statement-breakpoint
CREATE INDEX "loading_records_port_idx" ON "loading_records" USING btree ("port_id","opened_at");--> statement-breakpoint
CREATE INDEX "loading_records_declaration_idx" ON "loading_records" USING btree ("declaration_id");