from .person_box_metric import PersonBoxMetric

__all__ = ['PersonBoxMetric']
