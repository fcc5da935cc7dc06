CREATE TABLE "session_seals" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"manifest" jsonb NOT NULL,
	"signature" text NOT NULL,
	"signing_key_id" text NOT NULL,
	"sealed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "session_seals" ADD CONSTRAINT "session_seals_session_id_inspection_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."inspection_sessions"("id") ON DELETE no action ON UPDATE no action;