-- A customer's name folded as the search box folds it
-- (`yingpan_shared::search::fold`), so the ownership history is searched
-- by name in SQL. Written with each customer; rows from before are filled
-- in by the server at start-up.
ALTER TABLE records ADD COLUMN search_name TEXT;
