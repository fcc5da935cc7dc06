CREATE TABLE "port_calendars" (
	"port_id" uuid PRIMARY KEY NOT NULL,
	"working_days" integer[] NOT NULL,
	"day_start" text NOT NULL,
	"day_end" text NOT NULL,
	"slot_minutes" integer NOT NULL,
	"per_officer_day" integer NOT NULL,
	"holidays" text[] DEFAULT '{}'::text[] NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supervision_frequencies" (
	"port_id" uuid NOT NULL,
	"risk_class" "risk_class" NOT NULL,
	"remote_every_days" integer NOT NULL,
	"daily_form_review" boolean NOT NULL,
	"on_site_every_months" integer NOT NULL,
	"live_loading_percent" integer NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "supervision_frequencies_port_id_risk_class_pk" PRIMARY KEY("port_id","risk_class")
);
--> statement-breakpoint
ALTER TABLE "port_calendars" ADD CONSTRAINT "port_calendars_port_id_ports_id_fk" FOREIGN KEY ("port_id") REFERENCES "public"."ports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "port_calendars" ADD CONSTRAINT "port_calendars_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervision_frequencies" ADD CONSTRAINT "supervision_frequencies_port_id_ports_id_fk" FOREIGN KEY ("port_id") REFERENCES "public"."ports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervision_frequencies" ADD CONSTRAINT "supervision_frequencies_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;