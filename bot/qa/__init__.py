"""Quality assurance on care: an automatic scorecard for every closed episode, and supervisors' reviews."""
