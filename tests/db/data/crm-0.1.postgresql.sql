-- The crm database as release 0.1 made it (Base.metadata.create_all, no alembic_version),
-- postgresql. Generated from the models of commit 5d9cc9c; never edit.

CREATE TABLE crm_customers (
	id VARCHAR(16) NOT NULL,
	first_name VARCHAR(80) NOT NULL,
	last_name VARCHAR(80) NOT NULL,
	email VARCHAR(254) NOT NULL,
	phone VARCHAR(32) NOT NULL,
	phone_digits VARCHAR(10) NOT NULL,
	tier VARCHAR(16) NOT NULL,
	street VARCHAR(200) NOT NULL,
	city VARCHAR(100) NOT NULL,
	state VARCHAR(2) NOT NULL,
	postal_code VARCHAR(10) NOT NULL,
	payment_method VARCHAR(64) NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (email)
);

CREATE INDEX ix_crm_customers_phone_digits ON crm_customers (phone_digits);

CREATE TABLE crm_orders (
	id VARCHAR(16) NOT NULL,
	customer_id VARCHAR(16) NOT NULL,
	status VARCHAR(16) NOT NULL,
	placed_at TIMESTAMP WITH TIME ZONE NOT NULL,
	shipping_fee NUMERIC(10, 2) NOT NULL,
	total NUMERIC(10, 2) NOT NULL,
	ship_to VARCHAR(400) NOT NULL,
	carrier VARCHAR(16),
	tracking_number VARCHAR(40),
	shipped_at TIMESTAMP WITH TIME ZONE,
	expected_delivery DATE,
	delivered_at TIMESTAMP WITH TIME ZONE,
	cancelled_at TIMESTAMP WITH TIME ZONE,
	status_note VARCHAR(400),
	PRIMARY KEY (id),
	FOREIGN KEY(customer_id) REFERENCES crm_customers (id)
);

CREATE INDEX ix_crm_orders_customer_id ON crm_orders (customer_id);

CREATE TABLE crm_subscriptions (
	id VARCHAR(16) NOT NULL,
	customer_id VARCHAR(16) NOT NULL,
	plan VARCHAR(16) NOT NULL,
	price NUMERIC(10, 2) NOT NULL,
	status VARCHAR(16) NOT NULL,
	started_at TIMESTAMP WITH TIME ZONE NOT NULL,
	next_delivery DATE,
	paused_until DATE,
	cancelled_at TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	FOREIGN KEY(customer_id) REFERENCES crm_customers (id)
);

CREATE INDEX ix_crm_subscriptions_customer_id ON crm_subscriptions (customer_id);

CREATE TABLE crm_callbacks (
	id SERIAL NOT NULL,
	reference VARCHAR(16) NOT NULL,
	customer_id VARCHAR(16),
	phone VARCHAR(32) NOT NULL,
	phone_digits VARCHAR(10) NOT NULL,
	when_text VARCHAR(200) NOT NULL,
	topic TEXT NOT NULL,
	status VARCHAR(16) NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (reference),
	FOREIGN KEY(customer_id) REFERENCES crm_customers (id)
);

CREATE TABLE crm_tickets (
	id VARCHAR(16) NOT NULL,
	customer_id VARCHAR(16),
	subject VARCHAR(200) NOT NULL,
	category VARCHAR(16) NOT NULL,
	status VARCHAR(16) NOT NULL,
	channel VARCHAR(16) NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(customer_id) REFERENCES crm_customers (id)
);

CREATE INDEX ix_crm_tickets_customer_id ON crm_tickets (customer_id);

CREATE TABLE crm_order_lines (
	id SERIAL NOT NULL,
	order_id VARCHAR(16) NOT NULL,
	position INTEGER NOT NULL,
	sku VARCHAR(32) NOT NULL,
	product VARCHAR(120) NOT NULL,
	quantity INTEGER NOT NULL,
	unit_price NUMERIC(10, 2) NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(order_id) REFERENCES crm_orders (id)
);

CREATE INDEX ix_crm_order_lines_order_id ON crm_order_lines (order_id);

CREATE TABLE crm_invoices (
	id VARCHAR(24) NOT NULL,
	customer_id VARCHAR(16) NOT NULL,
	order_id VARCHAR(16),
	subscription_id VARCHAR(16),
	amount NUMERIC(10, 2) NOT NULL,
	currency VARCHAR(3) NOT NULL,
	issued_at TIMESTAMP WITH TIME ZONE NOT NULL,
	status VARCHAR(16) NOT NULL,
	description VARCHAR(200) NOT NULL,
	payment_method VARCHAR(64) NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(customer_id) REFERENCES crm_customers (id),
	FOREIGN KEY(order_id) REFERENCES crm_orders (id),
	FOREIGN KEY(subscription_id) REFERENCES crm_subscriptions (id)
);

CREATE INDEX ix_crm_invoices_customer_id ON crm_invoices (customer_id);

CREATE INDEX ix_crm_invoices_issued_at ON crm_invoices (issued_at);

CREATE TABLE crm_returns (
	id SERIAL NOT NULL,
	reference VARCHAR(16) NOT NULL,
	order_id VARCHAR(16) NOT NULL,
	order_line_id INTEGER NOT NULL,
	customer_id VARCHAR(16) NOT NULL,
	product VARCHAR(120) NOT NULL,
	sku VARCHAR(32) NOT NULL,
	quantity INTEGER NOT NULL,
	reason TEXT NOT NULL,
	status VARCHAR(16) NOT NULL,
	refund_amount NUMERIC(10, 2) NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (reference),
	FOREIGN KEY(order_id) REFERENCES crm_orders (id),
	UNIQUE (order_line_id),
	FOREIGN KEY(order_line_id) REFERENCES crm_order_lines (id),
	FOREIGN KEY(customer_id) REFERENCES crm_customers (id)
);

CREATE INDEX ix_crm_returns_order_id ON crm_returns (order_id);

CREATE TABLE crm_disputes (
	id SERIAL NOT NULL,
	reference VARCHAR(16) NOT NULL,
	customer_id VARCHAR(16) NOT NULL,
	invoice_id VARCHAR(24) NOT NULL,
	amount NUMERIC(10, 2) NOT NULL,
	reason TEXT NOT NULL,
	status VARCHAR(16) NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (reference),
	FOREIGN KEY(customer_id) REFERENCES crm_customers (id),
	FOREIGN KEY(invoice_id) REFERENCES crm_invoices (id)
);

CREATE INDEX ix_crm_disputes_customer_id ON crm_disputes (customer_id);

CREATE INDEX ix_crm_disputes_invoice_id ON crm_disputes (invoice_id);

CREATE UNIQUE INDEX uq_crm_disputes_open_invoice ON crm_disputes (invoice_id) WHERE status = 'open';
