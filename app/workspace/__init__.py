"""The workspace (工作台): one page that gathers, for the person signed in, what needs them now from every area
(the ticket queue, meetings and action items, the assessment's note). It sits above those areas."""
