-- The hub database as release 0.1 made it (Base.metadata.create_all, no alembic_version),
-- postgresql. Generated from the models of commit 5d9cc9c; never edit.

CREATE TABLE conversations (
	id VARCHAR(64) NOT NULL,
	channel VARCHAR(32) NOT NULL,
	handled_by VARCHAR(32) NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
	metadata JSON NOT NULL,
	PRIMARY KEY (id)
);

CREATE TABLE outreach_campaigns (
	id VARCHAR(64) NOT NULL,
	source VARCHAR(200) NOT NULL,
	definition JSON NOT NULL,
	enabled BOOLEAN NOT NULL,
	last_run_at TIMESTAMP WITH TIME ZONE,
	last_run_key VARCHAR(64),
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id)
);

CREATE TABLE outreach_events (
	id SERIAL NOT NULL,
	type VARCHAR(64) NOT NULL,
	event_id VARCHAR(128) NOT NULL,
	revision VARCHAR(64) NOT NULL,
	body JSON NOT NULL,
	customers JSON NOT NULL,
	received_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT uq_outreach_events UNIQUE (type, event_id, revision)
);

CREATE TABLE outreach_jobs (
	id SERIAL NOT NULL,
	key VARCHAR(400) NOT NULL,
	campaign_id VARCHAR(64) NOT NULL,
	occurrence VARCHAR(200) NOT NULL,
	customer_id VARCHAR(64) NOT NULL,
	context JSON NOT NULL,
	status VARCHAR(16) NOT NULL,
	reason VARCHAR(64),
	attempts INTEGER NOT NULL,
	last_error TEXT,
	next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL,
	expires_at TIMESTAMP WITH TIME ZONE,
	claimed_by VARCHAR(64),
	claimed_at TIMESTAMP WITH TIME ZONE,
	conversation_id VARCHAR(64),
	channel VARCHAR(32),
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	sent_at TIMESTAMP WITH TIME ZONE,
	replied_at TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	CONSTRAINT uq_outreach_jobs_key UNIQUE (key)
);

CREATE INDEX ix_outreach_jobs_due ON outreach_jobs (status, next_attempt_at);

CREATE INDEX ix_outreach_jobs_customer ON outreach_jobs (customer_id, sent_at);

CREATE INDEX ix_outreach_jobs_campaign_id ON outreach_jobs (campaign_id);

CREATE INDEX ix_outreach_jobs_conversation ON outreach_jobs (conversation_id);

CREATE TABLE outreach_consent (
	id SERIAL NOT NULL,
	subject VARCHAR(250) NOT NULL,
	status VARCHAR(16) NOT NULL,
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
	via VARCHAR(32),
	PRIMARY KEY (id),
	CONSTRAINT uq_outreach_consent_subject UNIQUE (subject)
);

CREATE TABLE hub_keys (
	name VARCHAR(64) NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY (name)
);

CREATE TABLE messages (
	id SERIAL NOT NULL,
	conversation_id VARCHAR(64) NOT NULL,
	direction VARCHAR(8) NOT NULL,
	sender VARCHAR(16) NOT NULL,
	text TEXT,
	payload JSON,
	client_message_id VARCHAR(128),
	reply_to INTEGER,
	status VARCHAR(16) NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT uq_messages_client_id UNIQUE (conversation_id, client_message_id),
	FOREIGN KEY(conversation_id) REFERENCES conversations (id) ON DELETE CASCADE,
	FOREIGN KEY(reply_to) REFERENCES messages (id)
);

CREATE INDEX ix_messages_conversation ON messages (conversation_id, id);

CREATE INDEX ix_messages_reply_to ON messages (reply_to);

CREATE TABLE conversation_closures (
	id SERIAL NOT NULL,
	conversation_id VARCHAR(64) NOT NULL,
	client VARCHAR(64) NOT NULL,
	channel VARCHAR(32) NOT NULL,
	trigger VARCHAR(16) NOT NULL,
	first_message_id INTEGER NOT NULL,
	last_message_id INTEGER NOT NULL,
	started_at TIMESTAMP WITH TIME ZONE NOT NULL,
	closed_at TIMESTAMP WITH TIME ZONE NOT NULL,
	intent VARCHAR(120),
	resolved BOOLEAN NOT NULL,
	contained BOOLEAN NOT NULL,
	escalated BOOLEAN NOT NULL,
	handoff_id INTEGER,
	agent_id INTEGER,
	agent_name VARCHAR(120),
	PRIMARY KEY (id),
	CONSTRAINT uq_closures_episode UNIQUE (conversation_id, first_message_id),
	FOREIGN KEY(conversation_id) REFERENCES conversations (id) ON DELETE CASCADE
);

CREATE INDEX ix_closures_closed_at ON conversation_closures (closed_at);

CREATE INDEX ix_closures_conversation ON conversation_closures (conversation_id, last_message_id);

CREATE TABLE channel_bindings (
	id SERIAL NOT NULL,
	channel VARCHAR(32) NOT NULL,
	address VARCHAR(200) NOT NULL,
	conversation_id VARCHAR(64) NOT NULL,
	customer_id VARCHAR(64),
	identity_checked_at TIMESTAMP WITH TIME ZONE,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	last_inbound_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT uq_channel_bindings_address UNIQUE (channel, address),
	FOREIGN KEY(conversation_id) REFERENCES conversations (id) ON DELETE CASCADE
);

CREATE INDEX ix_channel_bindings_conversation ON channel_bindings (conversation_id);

CREATE TABLE customer_conversations (
	customer_id VARCHAR(64) NOT NULL,
	conversation_id VARCHAR(64) NOT NULL,
	linked_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (customer_id, conversation_id),
	FOREIGN KEY(conversation_id) REFERENCES conversations (id) ON DELETE CASCADE
);

CREATE TABLE survey_responses (
	id SERIAL NOT NULL,
	conversation_id VARCHAR(64) NOT NULL,
	kind VARCHAR(16) NOT NULL,
	trigger VARCHAR(32) NOT NULL,
	handoff_id INTEGER,
	agent_id INTEGER,
	asked_at TIMESTAMP WITH TIME ZONE NOT NULL,
	status VARCHAR(16) NOT NULL,
	score INTEGER,
	comment TEXT,
	answered_at TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	FOREIGN KEY(conversation_id) REFERENCES conversations (id) ON DELETE CASCADE
);

CREATE INDEX ix_survey_responses_conversation ON survey_responses (conversation_id, asked_at);

CREATE TABLE handoffs (
	id SERIAL NOT NULL,
	conversation_id VARCHAR(64) NOT NULL,
	status VARCHAR(16) NOT NULL,
	skill VARCHAR(32) NOT NULL,
	reasons JSON NOT NULL,
	frustration FLOAT NOT NULL,
	level VARCHAR(16) NOT NULL,
	customer JSON,
	ticket BOOLEAN NOT NULL,
	agent_id INTEGER,
	agent_name VARCHAR(120),
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	queued_at TIMESTAMP WITH TIME ZONE NOT NULL,
	accepted_at TIMESTAMP WITH TIME ZONE,
	ended_at TIMESTAMP WITH TIME ZONE,
	disposition VARCHAR(16),
	note TEXT,
	PRIMARY KEY (id),
	FOREIGN KEY(conversation_id) REFERENCES conversations (id) ON DELETE CASCADE
);

CREATE INDEX ix_handoffs_status ON handoffs (status);

CREATE INDEX ix_handoffs_conversation ON handoffs (conversation_id);

CREATE TABLE channel_outbox (
	id SERIAL NOT NULL,
	message_id INTEGER NOT NULL,
	channel VARCHAR(32) NOT NULL,
	address VARCHAR(200) NOT NULL,
	status VARCHAR(16) NOT NULL,
	attempts INTEGER NOT NULL,
	parts_sent INTEGER NOT NULL,
	last_error TEXT,
	next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	sent_at TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	CONSTRAINT uq_channel_outbox_target UNIQUE (message_id, channel, address),
	FOREIGN KEY(message_id) REFERENCES messages (id) ON DELETE CASCADE
);

CREATE INDEX ix_channel_outbox_status ON channel_outbox (status, id);

CREATE TABLE handoff_events (
	id SERIAL NOT NULL,
	handoff_id INTEGER NOT NULL,
	kind VARCHAR(32) NOT NULL,
	agent_id INTEGER,
	detail JSON,
	at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(handoff_id) REFERENCES handoffs (id) ON DELETE CASCADE
);

CREATE INDEX ix_handoff_events_handoff ON handoff_events (handoff_id, id);

CREATE TABLE turn_analysis (
	message_id INTEGER NOT NULL,
	conversation_id VARCHAR(64) NOT NULL,
	score FLOAT NOT NULL,
	signals JSON NOT NULL,
	level VARCHAR(16) NOT NULL,
	repeats BOOLEAN NOT NULL,
	intent VARCHAR(120),
	confidence FLOAT,
	entities JSON NOT NULL,
	bot_events JSON NOT NULL,
	PRIMARY KEY (message_id),
	FOREIGN KEY(message_id) REFERENCES messages (id) ON DELETE CASCADE
);

CREATE INDEX ix_turn_analysis_conversation ON turn_analysis (conversation_id, message_id);

CREATE TABLE qa_scorecards (
	id SERIAL NOT NULL,
	closure_id INTEGER NOT NULL,
	conversation_id VARCHAR(64) NOT NULL,
	closed_at TIMESTAMP WITH TIME ZONE NOT NULL,
	score FLOAT,
	final_score FLOAT,
	criteria JSON NOT NULL,
	computed_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (closure_id),
	FOREIGN KEY(closure_id) REFERENCES conversation_closures (id) ON DELETE CASCADE
);

CREATE INDEX ix_qa_scorecards_closed ON qa_scorecards (closed_at);

CREATE TABLE qa_reviews (
	id SERIAL NOT NULL,
	scorecard_id INTEGER NOT NULL,
	reviewer_id INTEGER,
	reviewer_name VARCHAR(120) NOT NULL,
	score FLOAT,
	comment TEXT,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(scorecard_id) REFERENCES qa_scorecards (id) ON DELETE CASCADE
);

CREATE INDEX ix_qa_reviews_scorecard ON qa_reviews (scorecard_id, id);

CREATE TABLE agents (
	id SERIAL NOT NULL,
	username VARCHAR(40) NOT NULL,
	name VARCHAR(100) NOT NULL,
	password_hash VARCHAR(255) NOT NULL,
	role VARCHAR(16) NOT NULL,
	skills JSON NOT NULL,
	capacity INTEGER NOT NULL,
	active BOOLEAN NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (username)
);

CREATE TABLE agent_login_failures (
	username VARCHAR(40) NOT NULL,
	failures INTEGER NOT NULL,
	window_start TIMESTAMP WITH TIME ZONE NOT NULL,
	locked_until TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (username)
);

CREATE TABLE agent_sessions (
	token_hash VARCHAR(64) NOT NULL,
	agent_id INTEGER NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	last_seen TIMESTAMP WITH TIME ZONE NOT NULL,
	expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (token_hash),
	FOREIGN KEY(agent_id) REFERENCES agents (id) ON DELETE CASCADE
);

CREATE INDEX ix_agent_sessions_agent_id ON agent_sessions (agent_id);

CREATE TABLE kb_answers (
	id SERIAL NOT NULL,
	conversation_id VARCHAR(128) NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	query TEXT NOT NULL,
	intent VARCHAR(64),
	outcome VARCHAR(16) NOT NULL,
	shown_article VARCHAR(300),
	top_score FLOAT,
	results JSON NOT NULL,
	helpful BOOLEAN,
	feedback_at TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id)
);

CREATE INDEX ix_kb_answers_conversation ON kb_answers (conversation_id, id);
