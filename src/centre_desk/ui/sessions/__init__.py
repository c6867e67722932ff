"""Today at the desk: the sessions page (sessions of a day, the register ticked with Space), the
add-session dialog and the start page's list of today's sessions."""
