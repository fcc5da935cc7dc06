CREATE TYPE "public"."rtsp_transport" AS ENUM('tcp', 'udp');--> statement-breakpoint
ALTER TABLE "cameras" ADD COLUMN "sub_source_url" text;--> statement-breakpoint
ALTER TABLE "cameras" ADD COLUMN "sub_source_password" text;--> statement-breakpoint
ALTER TABLE "cameras" ADD COLUMN "rtsp_transport" "rtsp_transport" DEFAULT 'tcp' NOT NULL;