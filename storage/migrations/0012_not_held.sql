-- 0012: a request closed with nobody on it was not held ('non tenue'), a state of its
-- own: it is no mission anywhere. Those closed before this state existed were stored
-- as held ('realisee') with no accepted facilitator: they become what they were.

UPDATE requests SET state = 'non tenue'
WHERE state = 'realisee'
  AND NOT EXISTS (
    SELECT 1 FROM assignments a WHERE a.request_id = requests.id AND a.state = 'acceptee'
  );
