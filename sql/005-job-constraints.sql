-- Swarm placement (contract v1.1): the JobSpec's constraints, a JSON array of swarm placement
-- expressions. NULL (rows from before this migration) reads as none.
ALTER TABLE jobs ADD COLUMN constraints JSON NULL;
