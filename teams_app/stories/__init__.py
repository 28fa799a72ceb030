"""Impact stories: share, cheer, hide, and the Impact Story of the Month."""
