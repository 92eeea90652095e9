"""The staff dashboard on each property's host: live inbox, conversation view, leads, after-hours recovery, reviews."""
