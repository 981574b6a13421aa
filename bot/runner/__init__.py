"""Starting, stopping and checking the three services on one machine (`carebot up`)."""
