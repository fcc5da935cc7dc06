CREATE TABLE "retention_policies" (
	"inspection_type" "inspection_type" PRIMARY KEY NOT NULL,
	"keep_days" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "retention_keep_days_positive" CHECK ("retention_policies"."keep_days" > 0)
);
